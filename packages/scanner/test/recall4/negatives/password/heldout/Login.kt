val password: String = intent.getStringExtra("password") ?: ""
val passwordHint: String = "At least 8 characters"
var confirmPassword by remember { mutableStateOf("") }
