"""The pure core: text in, data out. Nothing here touches the file system."""
