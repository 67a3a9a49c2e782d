const PRIVATE_KEY =
  "-----BEGIN RSA PRIVATE KEY-----\n" +
  "blWPxbBmEmCXq1pgQqp/OH3Rf1Pt9D5BqGkT+mZ0PTsIPpdCX7Hr7ejTiWxCpmNj\n" +
  "z2jPGflhhe5nBqh1Ogza4cDLDGbIC5VZeWuuHBBa9yY+PcdSS05JuqgwSSpbbLdG\n" +
  "-----END RSA PRIVATE KEY-----\n";
const PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nFmV4OJ+ZAbAXssBaRb+Rd6H9+SDiBaMrtJ0O4ajxQeDQaASVxWZWnWU46hyzbHUz\n-----END PUBLIC KEY-----";
