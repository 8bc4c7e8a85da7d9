package io.carbon.compression;

import io.carbon.compression.AcceptEncoding.Selection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tables, section by section of RFC 9110. Columns: the field value ({@code <absent>} = no field), the codings
 * the server offers in its order of preference (space-separated), and the outcome: a coding token,
 * {@code identity}, or {@code 406}.
 */
class AcceptEncodingTest {

    private static final String ALL = "br zstd gzip";

    @ParameterizedTest(name = "[{index}] \"{0}\" / {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "<absent>", value = {
            // §12.5.3: no field -> Carbon's choice is identity (nginx does the same)
            "<absent>                    | br zstd gzip | identity",
            "<absent>                    | ''           | identity",
            // §12.5.3: an empty field value -> only identity is acceptable
            "''                          | br zstd gzip | identity",
            "'   '                       | br zstd gzip | identity",
            "', ,'                       | br zstd gzip | identity",
            "''                          | ''           | identity",
    })
    void absentAndEmptyField(String field, String offered, String expected) {
        assertSelects(field, offered, expected);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" / {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // §8.4.1: coding tokens are case-insensitive
            "gzip                        | br zstd gzip | gzip",
            "GZIP                        | br zstd gzip | gzip",
            "Br                          | br zstd gzip | br",
            "ZSTD                        | br zstd gzip | zstd",
            // §8.4.1.3: x-gzip is gzip
            "x-gzip                      | br zstd gzip | gzip",
            "X-Gzip                      | br zstd gzip | gzip",
            // codings Carbon cannot produce are ignored
            "deflate                     | br zstd gzip | identity",
            "compress, exi, foo          | br zstd gzip | identity",
            "deflate, gzip               | br zstd gzip | gzip",
            "brotli, gz, zst             | br zstd gzip | identity",
            // list syntax (§5.6.1): OWS and empty elements
            "'  gzip  ,  br  '           | br zstd gzip | br",
            "',,gzip,,'                  | br zstd gzip | gzip",
            "'\tgzip\t'                  | br zstd gzip | gzip",
            // not a token: the element is ignored
            "'g zip'                     | br zstd gzip | identity",
            "'\"gzip\"'                  | br zstd gzip | identity",
            "'gzip/1'                    | br zstd gzip | identity",
            // real clients
            "'gzip, deflate, br, zstd'   | br zstd gzip | br",
            "'gzip, deflate, br'         | zstd gzip    | gzip",
            "'deflate, gzip, br, zstd'   | zstd gzip br | zstd",
            "'gzip;q=1.0, identity; q=0.5, *;q=0' | br zstd gzip | gzip",
    })
    void codingTokens(String field, String offered, String expected) {
        assertSelects(field, offered, expected);
    }

    /**
     * §12.4.2 weight grammar. The element is {@code gzip<suffix>} behind {@code *;q=0.002}: an ignored
     * element leaves gzip at the wildcard's 2, a valid one shows its own weight (in thousandths).
     */
    @ParameterizedTest(name = "[{index}] gzip{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "';q=0'          | 0",
            "';q=0.'         | 0",
            "';q=0.0'        | 0",
            "';q=0.000'      | 0",
            "';q=0.001'      | 1",
            "';q=0.1'        | 100",
            "';q=0.12'       | 120",
            "';q=0.123'      | 123",
            "';q=0.999'      | 999",
            "';q=1'          | 1000",
            "';q=1.'         | 1000",
            "';q=1.0'        | 1000",
            "';q=1.00'       | 1000",
            "';q=1.000'      | 1000",
            "''              | 1000",
            // the parameter name is case-insensitive; OWS around ';' (grammar) and '=' (tolerated)
            "';Q=0.5'        | 500",
            "' ; q=0.5'      | 500",
            "';  q=0.5'      | 500",
            "'\t;\tq=0.5'    | 500",
            "';q = 0.5'      | 500",
            "';q=0.5 '       | 500",
            // invalid: the element is ignored
            "';q=1.001'      | 2",
            "';q=1.5'        | 2",
            "';q=2'          | 2",
            "';q=0.1234'     | 2",
            "';q=.5'         | 2",
            "';q=-0.5'       | 2",
            "';q=+0.5'       | 2",
            "';q=1e0'        | 2",
            "';q=0x1'        | 2",
            "';q=0.5.'       | 2",
            "';q=\"0.5\"'    | 2",
            "';q='           | 2",
            "';q'            | 2",
            "';'             | 2",
            "';;q=0.5'       | 2",
            "';level=1'      | 2",
            "';q=0.5;level=1'| 2",
            "';q=0.5 x'      | 2",
            "'q=0.5'         | 2",
    })
    void qvalueGrammar(String suffix, int expectedWeight) {
        AcceptEncoding parsed = AcceptEncoding.parse("*;q=0.002, gzip" + suffix);
        assertThat(parsed.weightOf(ContentCoding.GZIP)).as(parsed.toString()).isEqualTo(expectedWeight);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" / {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // q=0 means "not acceptable" (§12.4.2)
            "gzip;q=0                    | br zstd gzip | identity",
            "'br;q=0, zstd, gzip'        | br zstd gzip | zstd",
            "'br;q=0, zstd;q=0, gzip;q=0'| br zstd gzip | identity",
            // §12.5.3: * matches every coding not listed explicitly
            "*                           | br zstd gzip | br",
            "*;q=0.5                     | zstd gzip    | zstd",
            "'br;q=0, *'                 | br zstd gzip | zstd",
            "'*, br;q=0'                 | br zstd gzip | zstd",
            "'*;q=0, gzip'               | br zstd gzip | gzip",
            // ... and identity when identity is not listed
            "*;q=0                       | br zstd gzip | 406",
            "*;q=0                       | ''           | 406",
            "'*;q=0, identity'           | br zstd gzip | identity",
            "'*;q=0, identity;q=0.1'     | ''           | identity",
            "'*;q=0.5, gzip;q=0.2'       | gzip         | identity",
            "'*;q=0.5, identity;q=0.1, gzip;q=0.2' | gzip | gzip",
            // identity is acceptable unless excluded
            "identity;q=0                | br zstd gzip | 406",
            "identity;q=0                | ''           | 406",
            "IDENTITY;Q=0                | gzip         | 406",
            "'identity;q=0, gzip'        | br zstd gzip | gzip",
            "'identity;q=0, *'           | br zstd gzip | br",
            "'identity;q=0, gzip;q=0'    | gzip         | 406",
            "'identity;q=0, br'          | zstd gzip    | 406",
            "identity                    | br zstd gzip | identity",
            "identity;q=0.001            | ''           | identity",
            "gzip                        | ''           | identity",
    })
    void wildcardAndIdentity(String field, String offered, String expected) {
        assertSelects(field, offered, expected);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" / {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // highest weight wins
            "'gzip;q=1, br;q=0.9'                 | br zstd gzip | gzip",
            "'br;q=0.5, zstd;q=0.6, gzip;q=0.4'   | br zstd gzip | zstd",
            "zstd;q=0.001                         | br zstd gzip | zstd",
            // ties go to the server's order
            "'gzip, br'                           | br zstd gzip | br",
            "'gzip, br'                           | gzip br      | gzip",
            "'br;q=0.5, zstd;q=0.5, gzip;q=0.4'   | br zstd gzip | br",
            "'br;q=0.5, zstd;q=0.5, gzip;q=0.4'   | zstd br gzip | zstd",
            // identity only when strictly preferred; without an element it has no weight
            "'identity;q=0.6, gzip;q=0.5'         | gzip         | identity",
            "'identity;q=0.5, gzip;q=0.5'         | gzip         | gzip",
            "'identity, gzip'                     | gzip         | gzip",
            "gzip;q=0.5                           | gzip         | gzip",
            // nothing offered is acceptable: identity if acceptable, else 406
            "br                                   | zstd gzip    | identity",
            "'br, zstd'                           | gzip         | identity",
            "'br, zstd, identity;q=0'             | gzip         | 406",
    })
    void selection(String field, String offered, String expected) {
        assertSelects(field, offered, expected);
    }

    /** One rule: the first valid element for a coding wins; gzip and x-gzip are one coding. */
    @ParameterizedTest(name = "[{index}] \"{0}\" / {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "'gzip;q=0, gzip'              | gzip | identity",
            "'gzip, gzip;q=0'              | gzip | gzip",
            "'x-gzip;q=0, gzip'            | gzip | identity",
            "'gzip, x-gzip;q=0'            | gzip | gzip",
            "'GZIP;q=0, gzip'              | gzip | identity",
            "'gzip;q=2, gzip;q=0'          | gzip | identity",
            "'*;q=0, *'                    | gzip | 406",
            "'identity;q=0, identity'      | ''   | 406",
            "'identity, identity;q=0'      | ''   | identity",
            "'br;q=0.1, br, gzip;q=0.5'    | br gzip | gzip",
    })
    void duplicates(String field, String offered, String expected) {
        assertSelects(field, offered, expected);
    }

    @Test
    void selectionRecordRejectsACodingThatIsNotAcceptable() {
        assertThatThrownBy(() -> new Selection(ContentCoding.GZIP, true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Selection.IDENTITY.isIdentity()).isTrue();
        assertThat(Selection.NOT_ACCEPTABLE.isIdentity()).isFalse();
        assertThat(new Selection(ContentCoding.BROTLI, false).isIdentity()).isFalse();
    }

    @Test
    void selectDoesNotDependOnTheOfferedListBeingMutable() {
        AcceptEncoding parsed = AcceptEncoding.parse("gzip, br");
        assertThat(parsed.select(List.of(ContentCoding.GZIP)).coding()).isEqualTo(ContentCoding.GZIP);
        assertThat(parsed.select(List.of()).isIdentity()).isTrue();
        assertThatThrownBy(() -> parsed.select(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void toStringShowsTheWeights() {
        assertThat(AcceptEncoding.parse(null)).hasToString("AcceptEncoding[absent]");
        assertThat(AcceptEncoding.parse("")).hasToString("AcceptEncoding[]");
        assertThat(AcceptEncoding.parse("x-gzip;q=0.5, br, *;q=0, identity;q=0.25"))
                .hasToString("AcceptEncoding[br;q=1.000, gzip;q=0.500, identity;q=0.250, *;q=0.000]");
    }

    @Test
    void garbageNeverThrows() {
        Random random = new Random(42);
        String alphabet = "gzipbrstdx*;=q.01 \t,\"-Q9";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder field = new StringBuilder();
            int length = random.nextInt(30);
            for (int j = 0; j < length; j++) {
                field.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            AcceptEncoding parsed = AcceptEncoding.parse(field.toString());
            Selection selection = parsed.select(List.of(ContentCoding.values()));
            assertThat(selection).isNotNull();
        }
    }

    private static void assertSelects(String field, String offered, String expected) {
        List<ContentCoding> codings = new ArrayList<>();
        for (String token : offered.trim().split(" +")) {
            if (!token.isEmpty()) {
                codings.add(ContentCoding.fromToken(token));
            }
        }
        AcceptEncoding parsed = AcceptEncoding.parse(field);
        Selection selection = parsed.select(codings);
        String actual = selection.notAcceptable() ? "406"
                : selection.coding() == null ? "identity" : selection.coding().token();
        assertThat(actual).as("%s offered %s", parsed, codings).isEqualTo(expected);
    }
}
