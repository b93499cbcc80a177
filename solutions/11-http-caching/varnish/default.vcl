# The CDN in front of the catalog: Varnish 7.1.
# The kit rewrites the backend's .host and .port to the app it starts; docker compose uses them
# as written (the app on the host's port 3000).
vcl 4.1;

import std;

backend default {
    .host = "host.docker.internal";
    .port = "3000";
    # Health, so that grace can depend on whether the origin is up (vcl_hit).
    .probe = {
        .url = "/health";
        .interval = 1s;
        # Tolerant: a busy origin that misses one probe is not sick (vcl_deliver covers the gap).
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
        # Healthy from the start: a sick backend gets no requests at all, not even the first.
        .initial = 3;
    }
}

# Who may invalidate: the app, and nobody else. The tests run it on this machine. Under docker
# compose the app's requests reach Varnish from the compose network's gateway: add that one
# address (README, "How to run"), not a whole private range.
acl purgers {
    "127.0.0.1";
    "::1";
}

# Everything not written here is Varnish's built-in VCL (`varnishd -x builtin` prints it): it
# passes requests with a Cookie or Authorization header, and never stores a response that is
# private, no-store, no-cache, sets a cookie or says Vary: *.

sub vcl_recv {
    # The origin never reads the query string: without it, /products/2?ref=mail is the same object
    # as /products/2, and one PURGE reaches both.
    set req.url = regsub(req.url, "\?.*$", "");
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # Drops the object and all its Vary variants, grace included.
        return (purge);
    }
    # Set only by vcl_hit below; a client does not get to choose it.
    if (req.restarts == 0) {
        unset req.http.X-Fresh-Only;
    }
    if (req.http.X-Fresh-Only == "yes") {
        set req.grace = 0s;
    } else if (req.http.X-Fresh-Only == "failed") {
        # req.grace outlives a restart: lift the cap again, so the object's own grace applies.
        set req.grace = 3650d;
    }
}

sub vcl_hash {
    # One site: every Host name that reaches this cache (localhost, 127.0.0.1, a compose name)
    # shows the same catalog, so the URL alone is the key and a PURGE sent under any Host name
    # drops the copy every client sees. The built-in vcl_hash would add the Host.
    hash_data(req.url);
    return (lookup);
}

sub vcl_hit {
    # An object past its TTL is in grace, which vcl_backend_response stretched to stale-if-error.
    # That much is for a sick origin. A healthy one may be bypassed only for the
    # stale-while-revalidate window the app allowed; past it, fetch a fresh copy now.
    if (obj.ttl <= 0s && !req.http.X-Fresh-Only && std.healthy(req.backend_hint)) {
        if (obj.ttl + std.duration(regsub(obj.http.Cache-Control, "^.*stale-while-revalidate=([0-9]+).*$", "\1s"), 0s) <= 0s) {
            set req.http.X-Fresh-Only = "yes";
            return (restart);
        }
    }
}

sub vcl_deliver {
    # The fresh fetch failed before the probe noticed the origin is down: stale-if-error allows
    # the old copy, so look it up once more, with the whole grace.
    if (resp.status >= 500 && req.http.X-Fresh-Only == "yes") {
        set req.http.X-Fresh-Only = "failed";
        return (restart);
    }
}

sub vcl_backend_response {
    # Varnish 7.1 reads stale-while-revalidate into beresp.grace and ignores stale-if-error: read
    # it here and keep the object that long past its TTL (vcl_hit caps it while the origin is up).
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.grace = std.duration(regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s"), beresp.grace);
    }
}
