/** p9gate gateway module. */
package io.p9gate.gateway;
