import requests
print("ready")
