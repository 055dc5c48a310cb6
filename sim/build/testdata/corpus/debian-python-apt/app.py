print("hello from Debian's python3")
