package io.p9gate.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Guest text as one detail word: no space or {@code =} left, and read back exactly. */
class DetailWordsTest {
    @Test
    void aWordHoldsNoSpaceNorEqualsAndReadsBackExactly() {
        for (String text :
                List.of("plain", "x phase=outcome intent=1", "100%", "%20 literal", "a=b=c", "", "%3", "%")) {
            String word = DetailWords.word(text);
            assertFalse(word.contains(" ") || word.contains("="), word);
            assertEquals(text, DetailWords.text(word));
        }
        assertEquals("plain", DetailWords.word("plain"));
        assertEquals("x%20phase%3doutcome", DetailWords.word("x phase=outcome"));
    }
}
