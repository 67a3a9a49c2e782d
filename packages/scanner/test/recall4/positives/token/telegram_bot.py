from telegram.ext import ApplicationBuilder

BOT_TOKEN = "9580326337:AA20HZ2N5Ih1SbfpP29Mraisj_LLSrXcoZD"
app = ApplicationBuilder().token(BOT_TOKEN).build()
CHAT_ID = -1001234567890
