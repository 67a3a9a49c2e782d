from slack_sdk import WebClient

client = WebClient(token="xoxb-931528994311-8792723744819-YzLo2ltWBg3KX73kODWMATog")
WEBHOOK = "https://hooks.slack.com/services/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"
CHANNEL = "#deploys"
user_token = os.environ["SLACK_USER_TOKEN"]
