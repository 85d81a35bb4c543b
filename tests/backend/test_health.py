async def test_healthz_reports_ok_when_the_database_answers(app) -> None:
    _, response = await app.asgi_client.get("/healthz")
    assert response.status == 200
    assert response.json == {"status": "ok", "database": "ok"}
