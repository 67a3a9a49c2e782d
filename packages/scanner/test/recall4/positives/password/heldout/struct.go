package config

var Default = Config{
	Host:     "mq.internal",
	User:     "orders",
	Password: "0rd3rs-mq!",
	Vhost:    "/orders",
}

func (c Config) PasswordSet() bool { return c.Password != "" }
