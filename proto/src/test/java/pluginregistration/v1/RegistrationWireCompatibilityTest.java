package pluginregistration.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Names and field numbers kubelet's plugin watcher relies on: a renamed service or renumbered field breaks it. */
class RegistrationWireCompatibilityTest {

  private static Map<String, Integer> numbers(Descriptor d) {
    return d.getFields().stream().collect(Collectors.toMap(FieldDescriptor::getName, FieldDescriptor::getNumber));
  }

  @Test
  void theServiceHasKubeletsFullName() {
    assertThat(RegistrationGrpc.SERVICE_NAME).isEqualTo("pluginregistration.Registration");
    assertThat(RegistrationGrpc.getGetInfoMethod().getFullMethodName())
        .isEqualTo("pluginregistration.Registration/GetInfo");
    assertThat(RegistrationGrpc.getNotifyRegistrationStatusMethod().getFullMethodName())
        .isEqualTo("pluginregistration.Registration/NotifyRegistrationStatus");
  }

  @Test
  void messagesHaveKubeletsFieldNumbers() {
    assertThat(numbers(PluginInfo.getDescriptor())).containsExactlyInAnyOrderEntriesOf(
        Map.of("type", 1, "name", 2, "endpoint", 3, "supported_versions", 4));
    assertThat(numbers(RegistrationStatus.getDescriptor()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("plugin_registered", 1, "error", 2));
    assertThat(InfoRequest.getDescriptor().getFields()).isEmpty();
    assertThat(RegistrationStatusResponse.getDescriptor().getFields()).isEmpty();
  }
}
