from slack_sdk import WebClient

client = WebClient(token="xoxb-577350013272-7406904969749-UStIHRE1lzjkqMrquHQ4byzM")
WEBHOOK = "https://hooks.slack.com/services/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"
CHANNEL = "#deploys"
user_token = os.environ["SLACK_USER_TOKEN"]
