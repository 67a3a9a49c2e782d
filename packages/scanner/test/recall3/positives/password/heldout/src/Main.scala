object Main extends App {
  val db = Database.forURL("jdbc:postgresql://db/app", user = "app", password = "Sc4la_db_pw")
  val pw = sys.env.getOrElse("DB_PASSWORD", "")
}
