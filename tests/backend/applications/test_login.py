from backend.applications.login import login_url_for
from backend.config import Settings
from backend.models.conversations import Conversation


def test_the_login_url_is_the_public_login_page() -> None:
    settings = Settings(public_base_url="https://boligsikring.example.gl")
    conversation = Conversation(id="c1", channel="web")
    assert login_url_for(conversation, settings) == "https://boligsikring.example.gl/auth/login"
