/** p9gate audit module. */
package io.p9gate.audit;
