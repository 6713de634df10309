package io.p9gate.gateway.wiring;

import io.p9gate.gateway.proto.TMessage.FileRequest;

/**
 * Sees each request a session served, with the VM it was served for and how long the handler took (the choke
 * point, the host call and the audit append included; the wait for a worker not). The metrics' latency histogram
 * is such an observer. Called on the request's worker after the reply is built, also when the request failed:
 * it must be quick and must not block; what it throws is logged and ignored.
 */
@FunctionalInterface
public interface RequestObserver {
    RequestObserver NONE = (vm, request, nanos) -> {};

    void served(String vm, FileRequest request, long nanos);
}
