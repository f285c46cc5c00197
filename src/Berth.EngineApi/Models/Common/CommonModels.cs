using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.EngineApi.Models;

/// <summary>The body of every error reply: <c>{"message": "..."}</c>.</summary>
public sealed record ErrorResponse
{
    [JsonPropertyName("message")] public string Message { get; init; } = "";
}

/// <summary><c>{"Id": "..."}</c>: returned by exec create, commit and similar.</summary>
public sealed record IdResponse
{
    public string Id { get; init; } = "";
}

/// <summary>Go's <c>struct{}</c>: the value type of docker's sets (ExposedPorts, Volumes); always <c>{}</c>.</summary>
public sealed record EmptyObject;

/// <summary>One line of docker's JSON message stream (pull, push, load, import, build).</summary>
/// <remarks>Every field is omitted when empty, like Go's <c>omitempty</c>.</remarks>
public sealed record JsonMessage
{
    [JsonPropertyName("stream"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Stream { get; init; }
    [JsonPropertyName("status"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; init; }
    [JsonPropertyName("progressDetail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonProgress? ProgressDetail { get; init; }
    /// <summary>Pre-rendered progress bar (deprecated by docker, still sent).</summary>
    [JsonPropertyName("progress"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Progress { get; init; }
    [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; init; }
    [JsonPropertyName("from"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? From { get; init; }
    [JsonPropertyName("time"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Time { get; init; }
    [JsonPropertyName("timeNano"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long TimeNano { get; init; }
    [JsonPropertyName("errorDetail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonError? ErrorDetail { get; init; }
    /// <summary>Error text (deprecated duplicate of <see cref="ErrorDetail"/>, still sent and read).</summary>
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
    [JsonPropertyName("aux"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Aux { get; init; }
}

public sealed record JsonProgress
{
    [JsonPropertyName("current"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Current { get; init; }
    [JsonPropertyName("total"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Total { get; init; }
    [JsonPropertyName("start"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Start { get; init; }
    [JsonPropertyName("hidecounts"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool HideCounts { get; init; }
    [JsonPropertyName("units"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Units { get; init; }
}

public sealed record JsonError
{
    [JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Code { get; init; }
    [JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }
}

/// <summary>Storage driver data, e.g. overlay2's LowerDir/UpperDir/MergedDir/WorkDir.</summary>
public sealed record GraphDriverData
{
    public IReadOnlyDictionary<string, string>? Data { get; init; }
    public string Name { get; init; } = "";
}
