"""`make serve`'s Varnish command (liberation/serve.py)."""

from liberation import serve


def command(tmp_path) -> list[str]:
    return serve.varnish_command(port="8080", admin_port="6083", folder=tmp_path, vcl=tmp_path)


def test_varnish_logs_each_request_without_its_headers_unless_told(tmp_path, monkeypatch):
    monkeypatch.delenv("VARNISH_VSL_MASK", raising=False)
    masks = [value for value in command(tmp_path) if value.startswith("vsl_mask=")]
    assert len(masks) == 1
    masked = set(masks[0].removeprefix("vsl_mask=").split(","))
    assert {"-ReqHeader", "-RespHeader", "-Timestamp", "-VCL_call"} <= masked
    # What `varnishlog -g request -q 'RespStatus >= 500'` needs stays in the log.
    kept = {"Begin", "End", "Link", "ReqMethod", "ReqURL", "RespStatus", "Error", "FetchError"}
    assert not {f"-{tag}" for tag in kept} & masked
    monkeypatch.setenv("VARNISH_VSL_MASK", "default")
    assert not any(value.startswith("vsl_mask=") for value in command(tmp_path))
    monkeypatch.setenv("VARNISH_VSL_MASK", "-ReqHeader")
    assert "vsl_mask=-ReqHeader" in command(tmp_path)
