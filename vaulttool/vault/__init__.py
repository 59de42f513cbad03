"""The vault on disk: every read and write of its files. ``files`` reads notes and replaces them
atomically (temp file, fsync, a last check that the note did not change); ``walk`` lists the vault in
one pass; ``originals`` keeps the bytes of every clip rewritten, for ``restore``; ``noreplace`` and
``writers`` are the system calls behind a safe rename and "is anyone writing this file"; ``lock`` is
the vault lock shared by every writing command and every device that syncs the vault. ``statefiles``
is the only way into ``.vaulttool/`` (no link followed, nothing out of the vault); ``keep`` gives a
user's save that landed mid-replace a name of its own; ``oserrors`` says what a refused write means
(and stops a run on a full disk); ``portable`` names file names other systems refuse or hide.

May import :mod:`vaulttool.core`, :mod:`vaulttool.config` and :mod:`vaulttool.errors`; never the
index, the pages or the use-cases.
"""
