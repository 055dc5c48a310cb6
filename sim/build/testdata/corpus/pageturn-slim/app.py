from flask import Flask
app = Flask(__name__)

@app.route("/")
def shelf():
    return "Your shelf"
