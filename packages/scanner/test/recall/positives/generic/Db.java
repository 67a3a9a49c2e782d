class Db {
  Connection c = DriverManager.getConnection(url, "app", "Kest7rel44!");
  NetworkCredential n = new NetworkCredential("svc", "Mapl3Leaf35!");
}
