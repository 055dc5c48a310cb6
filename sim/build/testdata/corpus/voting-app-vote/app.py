from flask import Flask, render_template, request
import os, socket

app = Flask(__name__)
hostname = socket.gethostname()

@app.route("/", methods=["POST", "GET"])
def hello():
    vote = request.form.get("vote") if request.method == "POST" else None
    return render_template("index.html", option_a="Cats", option_b="Dogs", hostname=hostname, vote=vote)

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=80, debug=True, threaded=True)
