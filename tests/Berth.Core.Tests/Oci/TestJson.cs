using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Berth.Core.Tests.Oci;

internal static class TestJson
{
    /// <summary>The exact text <paramref name="type"/> writes for <paramref name="value"/>.</summary>
    public static string Write<T>(T value, JsonTypeInfo<T> type) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(value, type));
}
