"""Which addresses outbound requests may reach, the CRM_OUTBOUND_ALLOW setting, and open_url against
real local sockets (a refused connection sends nothing, not even a TLS hello)."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from runtime.config import ConfigError, load_settings
from runtime.outbound import OutboundPolicy, OutboundRefused, internal_kind, open_url, parse_allow


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6 is judged as the IPv4 address inside
    ("::ffff:10.1.2.3", "private"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("10.20.30.40", "private"),
    ("172.16.0.9", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),  # the cloud metadata service
    ("fe80::1", "link-local"),
    ("fd00::1", "private"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "private"),  # reserved for future use; Python files it under private
    ("100.64.0.1", "not globally routable"),  # shared address space (carrier-grade NAT)
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
])
def test_internal_addresses_are_named_by_kind(address, kind):
    assert internal_kind(address) == kind


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert internal_kind(address) is None
    OutboundPolicy().check("example.com", address)


def test_the_allow_list_admits_listed_hosts_whatever_they_resolve_to_and_addresses_in_listed_networks():
    policy = OutboundPolicy.from_entries(parse_allow("ERP.local., 10.0.0.0/8, 127.0.0.1"))
    policy.check("erp.local", "192.168.7.7")
    policy.check("db.corp", "10.9.8.7")
    policy.check("localhost", "127.0.0.1")
    policy.check("localhost", "::ffff:127.0.0.1")
    with pytest.raises(OutboundRefused) as refused:
        policy.check("localhost", "127.0.0.2")
    assert str(refused.value) == ("refused to connect to localhost (127.0.0.2): 127.0.0.2 is an internal "
                                  "address (loopback); add the host or its network to CRM_OUTBOUND_ALLOW "
                                  "to allow it")
    assert (refused.value.host, refused.value.address) == ("localhost", "127.0.0.2")


def test_the_setting_is_read_from_the_environment_and_normalized(tmp_path):
    env = {"CRM_INSTANCE_PATH": str(tmp_path), "CRM_OUTBOUND_ALLOW": " erp.local ,10.0.0.0/8,,127.0.0.1,[::1]"}
    assert load_settings(env=env).outbound_allow == ("erp.local", "10.0.0.0/8", "127.0.0.1/32", "::1/128")
    assert load_settings(env={"CRM_INSTANCE_PATH": str(tmp_path)}).outbound_allow == ()
    assert load_settings({"outbound_allow": ("127.0.0.1",)}, env=env).outbound_allow == ("127.0.0.1/32",)


@pytest.mark.parametrize("value, fragment", [
    ("10.0.0.0/33", "'10.0.0.0/33' is not a network"),
    ("10.0.0.1/8", "has host bits set"),
    ("erp.local,10.0.0.300", "'10.0.0.300' is neither a host name nor a network"),
    ("http://erp.local/", "is not a network"),
])
def test_a_bad_allow_list_is_one_clear_configuration_line(tmp_path, value, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(env={"CRM_INSTANCE_PATH": str(tmp_path), "CRM_OUTBOUND_ALLOW": value})
    message = str(err.value)
    assert message.startswith("CRM_OUTBOUND_ALLOW: ") and fragment in message and "\n" not in message


def post(url: str, *, allow=()) -> int:
    request = urllib.request.Request(url, data=b"{}", method="POST")
    with open_url(request, allow=allow, timeout=5) as response:
        return response.status


@pytest.mark.parametrize("host", ["localhost", "127.1", "2130706433"])
def test_names_and_spellings_that_reach_loopback_are_refused_after_connecting(recorder, host):
    """None of these is an IP address to ``ipaddress``, so only the connected peer gives them away."""
    with pytest.raises(OutboundRefused, match=r"is an internal address \(loopback\)"):
        post(f"http://{host}:{recorder.port}/hook")
    assert recorder.requests == []


def test_https_is_refused_before_the_tls_handshake(recorder):
    with pytest.raises(OutboundRefused, match="refused to connect to localhost"):
        post(f"https://localhost:{recorder.port}/hook")
    assert recorder.requests == []  # not even a ClientHello reached the server


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/", "http://[::1]:{port}/",
                                 "http://0.0.0.0:{port}/", "http://169.254.169.254/latest/meta-data/",
                                 "http://10.0.0.1/"])
def test_address_literals_are_refused_without_connecting(recorder, url):
    with pytest.raises(OutboundRefused, match="CRM_OUTBOUND_ALLOW"):
        post(url.format(port=recorder.port))
    assert recorder.requests == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://127.0.0.1:70/"])
def test_only_http_and_https_are_spoken(url):
    with pytest.raises(OutboundRefused, match="only http:// and https://"):
        post(url, allow=("127.0.0.1",))


def test_an_allowed_address_is_posted_to_and_a_redirect_is_not_followed(recorder):
    assert post(f"http://localhost:{recorder.port}/hook", allow=("127.0.0.1",)) == 200
    assert post(f"http://localhost:{recorder.port}/hook", allow=("localhost",)) == 200
    recorder.redirect_to = f"http://127.0.0.1:{recorder.port}/elsewhere"
    with pytest.raises(urllib.error.HTTPError) as err:
        post(f"http://127.0.0.1:{recorder.port}/hook", allow=("127.0.0.1/32",))
    assert err.value.code == 302
    assert [r.split()[1] for r in recorder.requests] == ["/hook", "/hook", "/hook"]  # never /elsewhere
