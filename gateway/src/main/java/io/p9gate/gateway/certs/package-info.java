/**
 * A small PKI for trying and testing mutual TLS (issue 9 item 4): a CA, the gateway's server certificate and one
 * client certificate per VM, and CRLs, made with Bouncy Castle PKIX and written as PEM files
 * ({@code p9gate certs}).
 */
package io.p9gate.gateway.certs;
