from sqlalchemy import select

from backend.applications.login import login_url_for
from backend.config import Settings
from backend.conversations import service
from backend.models.outbox import LinkToken


async def test_the_web_login_url_is_the_public_login_page(db) -> None:
    settings = Settings(public_base_url="https://boligsikring.example.gl")
    conversation = await service.create_conversation(db, channel="web")
    assert await login_url_for(db, conversation, settings) == "https://boligsikring.example.gl/auth/login"


async def test_sms_and_telegram_get_a_one_time_link_instead(db) -> None:
    settings = Settings(public_base_url="https://boligsikring.example.gl")
    for channel, address in (("sms", "+299551234"), ("telegram", "4242")):
        conversation = await service.create_conversation(db, channel=channel, address=address)
        url = await login_url_for(db, conversation, settings)
        assert url.startswith("https://boligsikring.example.gl/l/")
    tokens = (await db.execute(select(LinkToken))).scalars().all()
    assert {(t.channel, t.address) for t in tokens} == {("sms", "+299551234"), ("telegram", "4242")}
