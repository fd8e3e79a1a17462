from service_kit.app import ServiceSettings


class Settings(ServiceSettings):
    """Also MONGODB_URL, MONGODB_DATABASE, DIRECTORY_PATH and DIRECTORY_EXTENSION_PATH (the resource
    directory: who receives what), SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_TIMEOUT_SECONDS (the mail relay), SMS_API_URL,
    SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM (a Twilio-shaped SMS provider; empty URL: no SMS) and
    SEND_ATTEMPTS, RETRY_BASE_SECONDS (retries with exponential backoff on transient failures)."""

    http_port: int = 8004
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = "notifier"
    directory_path: str = "deploy/demo/hsds"
    directory_extension_path: str = ""  # DIRECTORY_EXTENSION_PATH; empty: referral-extension.yaml beside it
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "closed-loop-referrals@platform.example"
    smtp_timeout_seconds: float = 10.0
    sms_api_url: str = ""
    sms_account_sid: str = "AC-local"
    sms_auth_token: str = ""  # a secret: from the environment only
    sms_from: str = "+447700900000"
    send_attempts: int = 3
    retry_base_seconds: float = 0.5
