#!/bin/sh
# Send 3000 votes for a and 2000 for b.
ab -n 1000 -c 50 -p posta -T "application/x-www-form-urlencoded" http://vote/
