from telegram.ext import ApplicationBuilder

BOT_TOKEN = "7044363038:AAsdi7-SXGpAHcyvcxTTq2YC7hLQCzqce4c"
app = ApplicationBuilder().token(BOT_TOKEN).build()
CHAT_ID = -1001234567890
