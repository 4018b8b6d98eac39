vcl 4.1;
# The read tier of Libération (docs/deployment.md). The application decides what may be
# shared (liberation/core/surrogate.py: `Cache-Control: public, s-maxage=…` and an `xkey`
# header on anonymous public pages, `private, no-store` on everything else); this file
# adds what only the cache can do: pass what must never be stored whatever the backend
# says, strip harmless cookies, spread requests over the nodes, and purge by key.
#
# `make serve` (liberation/serve.py) writes the backends below from NODES and starts
# varnishd with it; a hand-written deployment lists its nodes the same way.

import std;
import xkey;
import directors;

# BACKENDS (replaced by liberation/serve.py)
backend node1 {
    .host = "127.0.0.1";
    .port = "8101";
    .probe = { .url = "/robots.txt"; .interval = 2s; .timeout = 1s; .window = 3; .threshold = 2; }
}

sub vcl_init {
    new nodes = directors.round_robin();
    nodes.add_backend(node1);
}
# END BACKENDS

# Only the machine itself may purge (the purge worker of `make serve`).
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    set req.backend_hint = nodes.backend();

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.n-gone = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Purged " + req.http.n-gone));
        }
        return (synth(400, "xkey-purge header required"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);  # POST and the rest: the application answers
    }
    # Never stored, whatever the answer says: the admin, previews, the check-in app,
    # private links (registrations, badges, programme and collection spaces, press),
    # the forms that need a CSRF token.
    if (req.url ~ "^/admin/" || req.url ~ "^/(fr|en)/(r|badge|checkin|controle)/"
        || req.url ~ "preview" || req.http.Authorization) {
        return (pass);
    }
    # Harmless cookies (audience measurement) are dropped; any other cookie (session,
    # CSRF token, language) means the request is personal: passed, never stored.
    if (req.http.Cookie) {
        set req.http.Cookie = regsuball(req.http.Cookie, "(^|;\s*)(_pk_[^=]*|_ga[^=]*|_gid)=[^;]*", "");
        set req.http.Cookie = regsub(req.http.Cookie, "^;\s*", "");
        if (req.http.Cookie ~ "^\s*$") {
            unset req.http.Cookie;
        } else {
            return (pass);
        }
    }
    # Two copies of a text page: compressed for the clients that accept gzip (every
    # browser), plain for the others, so that neither is converted on each hit.
    # Accept-Encoding is reduced to "gzip" or nothing: one variant per kind of client,
    # not one per way of writing the header.
    if (req.http.Accept-Encoding ~ "(?i)\bgzip\b"
        && req.http.Accept-Encoding !~ "(?i)\bgzip\s*;\s*q\s*=\s*0(\.0*)?\s*(,|$)") {
        set req.http.Accept-Encoding = "gzip";
        set req.http.X-Gzip = "1";
    } else {
        unset req.http.Accept-Encoding;
        unset req.http.X-Gzip;
    }
    return (hash);
}

sub vcl_hash {
    if (req.http.X-Gzip) {
        hash_data("gzip");
    }
    # then the built-in vcl_hash: the URL and the host
}

sub vcl_backend_response {
    # Grace short: when the application is down or slow, a stale copy is served for at
    # most 10 s more; a failed purge is retried by the application meanwhile.
    set beresp.grace = 10s;
    if (bereq.url ~ "^/static/") {
        # Hashed file names (whitenoise's manifest): cached long, here and by browsers.
        set beresp.ttl = 1d;
        return (deliver);
    }
    if (beresp.http.Set-Cookie || beresp.http.Cache-Control ~ "(private|no-store|no-cache)"
        || !beresp.http.Cache-Control ~ "s-maxage") {
        # Not shareable: remember for 2 minutes not to wait on other requests for it.
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # Text is stored compressed, once per fetch, for the clients that accept gzip:
    # browsers get a quarter of the bytes (the Cherbourg article: 6.3 KB instead of
    # 26.8) and the cache copies a quarter per hit. The others' copy is stored plain
    # (X-Gzip, set in vcl_recv: Varnish asks the nodes for gzip whatever the client
    # accepts, so bereq's own Accept-Encoding cannot tell). Passed answers (forms,
    # private pages) are left as the application wrote them: compressing each would
    # cost every request.
    if (beresp.http.Content-Type ~ "^(text/|application/([a-z.+-]*\+)?(json|xml|javascript)|image/svg\+xml)") {
        if (bereq.http.X-Gzip) {
            set beresp.do_gzip = true;
        } else {
            set beresp.do_gunzip = true;
        }
    }
    return (deliver);
}

sub vcl_deliver {
    # Keys and cache internals stay inside.
    unset resp.http.xkey;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    if (obj.uncacheable) {
        set resp.http.X-Cache = "pass";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}
