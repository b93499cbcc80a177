# The CDN in front of the catalog: Varnish 7.1.
# The kit rewrites the backend's .host and .port to the app it starts; docker compose uses them
# as written (the app on the host's port 3000).
vcl 4.1;

backend default {
    .host = "host.docker.internal";
    .port = "3000";
}

# Everything else is Varnish's built-in VCL (`varnishd -x builtin` prints it).

# TODO(4): accept the invalidation requests your app sends, from the app only.

# TODO(5): keep serving what you hold while the origin is down.
