using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Engine.Runtime.Shim;

namespace Berth.Engine.Containers;

/// <summary>Reads the exit status a shim wrote when its container ended (used when the shim is gone).</summary>
public static class ExitFile
{
    public static ExitStatus? TryRead(string path)
    {
        try
        {
            var record = JsonSerializer.Deserialize(File.ReadAllBytes(path), ExitFileJsonContext.Default.ExitFileRecord);
            return record is null ? null : new ExitStatus(record.ExitCode, record.FinishedAt, record.OomKilled);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

internal sealed record ExitFileRecord(
    [property: JsonPropertyName("exitCode")] int ExitCode,
    [property: JsonPropertyName("finishedAt")] DateTimeOffset FinishedAt,
    [property: JsonPropertyName("oomKilled")] bool OomKilled);

[JsonSerializable(typeof(ExitFileRecord))]
internal sealed partial class ExitFileJsonContext : JsonSerializerContext;
