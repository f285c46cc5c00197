using System.Text.Json.Serialization;

namespace Berth.EngineApi.Models;

/// <summary>
/// docker's <c>container.Config</c>: the portable part of a container's configuration
/// (also an image's config). Nullable fields are Go nil slices/maps/pointers and serialise as
/// <c>null</c>; those docker marks <c>omitempty</c> are left out when null.
/// </summary>
public record ContainerConfig
{
    public string Hostname { get; init; } = "";
    public string Domainname { get; init; } = "";
    public string User { get; init; } = "";
    public bool AttachStdin { get; init; }
    public bool AttachStdout { get; init; }
    public bool AttachStderr { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, EmptyObject>? ExposedPorts { get; init; }
    public bool Tty { get; init; }
    public bool OpenStdin { get; init; }
    public bool StdinOnce { get; init; }
    public IReadOnlyList<string>? Env { get; init; }
    public IReadOnlyList<string>? Cmd { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HealthConfig? Healthcheck { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ArgsEscaped { get; init; }
    public string Image { get; init; } = "";
    public IReadOnlyDictionary<string, EmptyObject>? Volumes { get; init; }
    public string WorkingDir { get; init; } = "";
    public IReadOnlyList<string>? Entrypoint { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NetworkDisabled { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? MacAddress { get; init; }
    public IReadOnlyList<string>? OnBuild { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StopSignal { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? StopTimeout { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Shell { get; init; }
}

/// <summary>Healthcheck settings; durations are nanoseconds.</summary>
public sealed record HealthConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Test { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Interval { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Timeout { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long StartPeriod { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long StartInterval { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Retries { get; init; }
}

/// <summary>POST /containers/create body: <see cref="ContainerConfig"/> fields inline, plus host and networking config.</summary>
public sealed record ContainerCreateRequest : ContainerConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HostConfig? HostConfig { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NetworkingConfig? NetworkingConfig { get; init; }
}

public sealed record NetworkingConfig
{
    public IReadOnlyDictionary<string, EndpointSettings>? EndpointsConfig { get; init; }
}

/// <summary>POST /containers/create reply (201).</summary>
public sealed record ContainerCreateResponse
{
    public string Id { get; init; } = "";
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>POST /containers/{id}/wait reply.</summary>
public sealed record ContainerWaitResponse
{
    public long StatusCode { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ContainerWaitExitError? Error { get; init; }
}

public sealed record ContainerWaitExitError
{
    public string Message { get; init; } = "";
}
