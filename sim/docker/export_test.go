package docker

// SetLocalLimit lowers how much the console's local directory keeps, so a
// test can reach the limit without copying 64 MB.
func SetLocalLimit(c *Console, n int64) {
	if _, err := c.localFS(); err == nil {
		c.home.max = n
	}
}
