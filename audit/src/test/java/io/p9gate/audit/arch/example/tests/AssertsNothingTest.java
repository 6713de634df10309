package io.p9gate.audit.arch.example.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bad example for {@code ModuleArchitecture.everyTestAsserts}: tests that pass whatever the code does, next to
 * tests that assert through a helper and in a lambda. Abstract, so that JUnit runs none of it.
 */
abstract class AssertsNothingTest {
    @Test
    void assertsNothing() {
        List.of(1, 2).size();
    }

    @Test
    void callsOnlyAHelperThatAssertsNothing() {
        looksAt(List.of(1));
    }

    @Test
    void assertsThroughAHelper() {
        sizeIs(List.of(1), 1);
    }

    @Test
    void assertsInALambda() {
        List.of(1).forEach(i -> assertEquals(1, i));
    }

    private static void looksAt(List<Integer> list) {
        list.isEmpty();
    }

    private static void sizeIs(List<Integer> list, int size) {
        assertEquals(size, list.size());
    }
}
