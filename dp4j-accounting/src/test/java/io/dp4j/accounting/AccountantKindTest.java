package io.dp4j.accounting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Accountant names as stored in records, checkpoints, ledger rows and reports. */
class AccountantKindTest {
  @Test
  void serializedNamesAreTheStoredStrings() throws Exception {
    assertThat(AccountantKind.RDP.serializedName()).isEqualTo("rdp");
    assertThat(AccountantKind.PLD.serializedName()).isEqualTo("pld");
    assertThat(AccountantKind.NONE.serializedName()).isEqualTo("none");
    ObjectMapper json = new ObjectMapper();
    for (AccountantKind kind : AccountantKind.values()) {
      assertThat(AccountantKind.fromSerializedName(kind.serializedName())).isEqualTo(kind);
      assertThat(kind.toString()).isEqualTo(kind.serializedName());
      String written = json.writeValueAsString(kind);
      assertThat(written).isEqualTo("\"" + kind.serializedName() + "\"");
      assertThat(json.readValue(written, AccountantKind.class)).isEqualTo(kind);
    }
  }

  @Test
  void accountantsNameTheirKind() {
    assertThat(AccountantKind.of(new RdpAccountant().method())).hasValue(AccountantKind.RDP);
    assertThat(AccountantKind.of(new PldAccountant().method())).hasValue(AccountantKind.PLD);
    // a caller-supplied accountant names itself and is no built-in kind
    assertThat(AccountantKind.of("test")).isEmpty();
    assertThat(AccountantKind.RDP.newAccountant()).isInstanceOf(RdpAccountant.class);
    assertThat(AccountantKind.PLD.factory().get()).isInstanceOf(PldAccountant.class);
    assertThatThrownBy(AccountantKind.NONE::newAccountant)
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anUnknownNameIsRefusedListingTheKnownOnes() {
    assertThatThrownBy(() -> AccountantKind.fromSerializedName("RDP"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("accountant must be one of rdp, pld, none, got RDP");
  }
}
