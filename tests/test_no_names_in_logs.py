"""A packet made through the front desk, in process: the patient's name is on the PDF and nowhere
else, not in any log record (of any logger, at any level) nor in anything printed to standard output
or standard error, by this process or by the render worker it starts."""

import logging

from handouts.server import create_app
from handouts.web.pool import RenderPool

from conftest import page_token, pdf_text

PATIENT = "Quintessa Marrowfield"


def post_a_visit(client) -> bytes:
    page = client.get("/").get_data(as_text=True)
    fields = {
        "slug": "epidural-steroid-injection",
        "language": "en",
        "patient": PATIENT,
        "date": "2099-12-08",
        "time": "07:00",
        "physician": "Dr. Lee",
        "csrf_token": page_token(page),
    }
    response = client.post("/pdf", data=fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


def test_the_patient_name_reaches_the_pdf_and_no_log_or_output(library_project, caplog, capfd):
    caplog.set_level(logging.DEBUG)  # every record of every logger, the access log's INFO lines among them
    pool = RenderPool(library_project.root, workers=1)  # started here, so the worker writes where capfd reads
    try:
        pool.start()
        pdf = post_a_visit(create_app(library_project, pool=pool).test_client())
    finally:
        pool.close()
    assert PATIENT in " ".join(pdf_text(pdf).split())
    records = caplog.get_records("call")
    assert any(record.getMessage().startswith("POST /pdf 200") for record in records)  # the log was listened to
    assert not [record.getMessage() for record in records if PATIENT in record.getMessage()]
    printed = capfd.readouterr()
    assert PATIENT not in printed.out and PATIENT not in printed.err
