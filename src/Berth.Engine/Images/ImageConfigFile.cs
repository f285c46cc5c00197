using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Engine.Images;

/// <summary>
/// The image config blob: OCI image-spec config plus docker's additions (docker image spec v1.2/1.3),
/// with docker's exact JSON names (lower-case at the top level, PascalCase inside "config").
/// The image ID is the sha256 of the bytes as stored: a stored config is only ever parsed, never
/// re-serialised to compute an ID. Null members are omitted when writing, except where docker
/// writes an explicit null (see <see cref="ContainerConfig"/>).
/// </summary>
public sealed class ImageConfigFile
{
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "";
    [JsonPropertyName("os")] public string Os { get; set; } = "";
    [JsonPropertyName("os.version")] public string? OsVersion { get; set; }
    [JsonPropertyName("os.features")] public List<string>? OsFeatures { get; set; }
    [JsonPropertyName("variant")] public string? Variant { get; set; }

    /// <summary>RFC 3339 with nanoseconds in docker's output; absent in some OCI images.</summary>
    [JsonPropertyName("created"), JsonConverter(typeof(Rfc3339NanoConverter))]
    public DateTimeOffset? Created { get; set; }

    [JsonPropertyName("author")] public string? Author { get; set; }
    [JsonPropertyName("config")] public ContainerConfig? Config { get; set; }
    [JsonPropertyName("rootfs")] public RootFs RootFs { get; set; } = new();
    [JsonPropertyName("history")] public List<HistoryEntry>? History { get; set; }

    // Docker's legacy (v1) members: read so inspect can show them; new configs leave them out
    // as docker 25+ does.
    [JsonPropertyName("comment")] public string? Comment { get; set; }
    [JsonPropertyName("container")] public string? Container { get; set; }
    [JsonPropertyName("container_config")] public ContainerConfig? ContainerConfig { get; set; }
    [JsonPropertyName("docker_version")] public string? DockerVersion { get; set; }
    [JsonPropertyName("parent")] public string? Parent { get; set; }

    /// <summary>Parses config bytes (Go-style: member names match case-insensitively).</summary>
    public static ImageConfigFile Parse(ReadOnlySpan<byte> json)
    {
        var config = JsonSerializer.Deserialize(json, ImageJsonContext.Default.ImageConfigFile) ?? throw new JsonException("image config is null");
        // Explicit nulls would reach every reader of the layers as null members.
        if (config.RootFs?.DiffIds is not { } diffIds || diffIds.Any(d => d is null)) throw new JsonException("rootfs.diff_ids is missing");
        return config;
    }

    /// <summary>Serialises a new config; the bytes returned are what gets stored and hashed.</summary>
    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, ImageJsonContext.Default.ImageConfigFile);
}

/// <summary>rootfs: the layer diff IDs, bottom first.</summary>
public sealed class RootFs
{
    [JsonPropertyName("type")] public string Type { get; set; } = "layers";
    [JsonPropertyName("diff_ids")] public List<string> DiffIds { get; set; } = [];
}

/// <summary>One history entry; EmptyLayer entries (ENV, CMD…) have no diff ID.</summary>
public sealed class HistoryEntry
{
    [JsonPropertyName("created"), JsonConverter(typeof(Rfc3339NanoConverter))]
    public DateTimeOffset? Created { get; set; }

    [JsonPropertyName("created_by")] public string? CreatedBy { get; set; }
    [JsonPropertyName("author")] public string? Author { get; set; }
    [JsonPropertyName("comment")] public string? Comment { get; set; }

    [JsonPropertyName("empty_layer"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool EmptyLayer { get; set; }
}

/// <summary>
/// The "config" member: docker's container.Config. Members docker serialises without omitempty
/// (Env, Cmd, Entrypoint, Volumes, OnBuild, Labels…) are always written, as null when unset, so
/// `docker inspect` of an imported image shows "Env": null exactly like dockerd's.
/// </summary>
public sealed class ContainerConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string Hostname { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string Domainname { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string User { get; set; } = "";
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public bool StdinOnce { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public List<string>? Env { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public List<string>? Cmd { get; set; }
    public HealthConfig? Healthcheck { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool ArgsEscaped { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string Image { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public Dictionary<string, EmptyObject>? Volumes { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string WorkingDir { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public List<string>? Entrypoint { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool NetworkDisabled { get; set; }
    public string? MacAddress { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public List<string>? OnBuild { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public Dictionary<string, string>? Labels { get; set; }
    public string? StopSignal { get; set; }
    public int? StopTimeout { get; set; }
    public List<string>? Shell { get; set; }
}

/// <summary>Healthcheck; durations are nanoseconds, as in docker's JSON.</summary>
public sealed class HealthConfig
{
    public List<string>? Test { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Interval { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long Timeout { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long StartPeriod { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public long StartInterval { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Retries { get; set; }
}

/// <summary>Go's struct{}: the value type of ExposedPorts and Volumes, written as {}.</summary>
public sealed class EmptyObject
{
    public static readonly EmptyObject Instance = new();
}

/// <summary>
/// Go's time.Time in RFC 3339 with up to nanosecond precision. DateTimeOffset holds 100 ns ticks,
/// so extra digits are truncated on read; writes use UTC with trailing zeros trimmed (RFC3339Nano).
/// </summary>
public sealed class Rfc3339NanoConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        var text = reader.GetString();
        if (string.IsNullOrEmpty(text)) return null;
        return TryParse(text, out var value) ? value : throw new JsonException($"invalid time \"{text}\"");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } v) writer.WriteStringValue(Format(v));
        else writer.WriteNullValue();
    }

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + "Z";

    public static bool TryParse(string text, out DateTimeOffset value)
    {
        // Cut fractional digits beyond the 7 that .NET can represent.
        var dot = text.IndexOf('.');
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
            if (end - dot - 1 > 7) text = text[..(dot + 8)] + text[end..];
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);
    }
}
