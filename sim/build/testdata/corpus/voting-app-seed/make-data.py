print("writing posta and postb")
