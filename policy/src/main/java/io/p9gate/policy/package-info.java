/** p9gate policy module. */
package io.p9gate.policy;
