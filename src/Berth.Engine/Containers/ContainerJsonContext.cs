using System.Text.Json.Serialization;

namespace Berth.Engine.Containers;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Container))]
internal sealed partial class ContainerJsonContext : JsonSerializerContext;
