const val MASTER_KEY = "0d9ef687ae34ef3076790ea9757c65b09b1fe276f87197eb8c81820f473195d3"
val idempotencyKey = UUID.randomUUID().toString()
