# The CDN in front of the catalog: Varnish 7.1.
# The kit rewrites the backend's .host and .port to the app it starts; docker compose uses them
# as written (the app on the host's port 3000).
vcl 4.1;

import std;

backend default {
    .host = "host.docker.internal";
    .port = "3000";
    # Health, so that vcl_recv can tell a sick origin from a slow one.
    .probe = {
        .url = "/health";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        # Healthy from the start: a sick backend gets no requests at all, not even the first.
        .initial = 2;
    }
}

# Who may invalidate: the app (loopback here; the private networks docker compose uses).
acl purgers {
    "127.0.0.1";
    "::1";
    "172.16.0.0"/12;
    "192.168.0.0"/16;
}

# Everything not written here is Varnish's built-in VCL (`varnishd -x builtin` prints it): it
# passes requests with a Cookie or Authorization header, and never stores a response that is
# private, no-store, no-cache, sets a cookie or says Vary: *.

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        # Drops the object and all its Vary variants, grace included.
        return (purge);
    }
    # Varnish 7.1 reads stale-while-revalidate into the object's grace; vcl_backend_response
    # stretches that grace to stale-if-error. While the origin is healthy, serve stale for no more
    # than the stale-while-revalidate window; only a sick origin gets the whole grace.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 30s;
    }
}

sub vcl_backend_response {
    # Varnish 7.1 ignores stale-if-error: read it here and keep the object that long past its TTL.
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.grace = std.duration(regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s"), beresp.grace);
    }
}
