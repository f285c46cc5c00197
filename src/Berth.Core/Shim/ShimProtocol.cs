using System.Text.Json.Serialization;

namespace Berth.Core.Shim;

/// <summary>
/// The shim's socket protocol. Each connection carries one request line (JSON + '\n') and
/// one response line; an <see cref="ShimOps.Attach"/> connection then turns into a raw stream
/// (output from the shim, stdin to the shim). One line per connection keeps both sides
/// stateless: berthd can die between any two requests and a new berthd just reconnects.
/// </summary>
public static class ShimOps
{
    public const string Start = "start";
    public const string Kill = "kill";
    public const string State = "state";
    public const string Wait = "wait";
    public const string Resize = "resize";
    public const string Attach = "attach";
}

/// <summary>Container status as the shim reports it.</summary>
public static class ShimStatus
{
    public const string Created = "created";
    public const string Running = "running";
    public const string Exited = "exited";
}

/// <summary>
/// Why a launch or request failed. The shim classifies the runtime's error text once, where
/// it sees it; berthd maps each kind to an error kind and, for a start, to docker's exit code.
/// </summary>
public static class ShimFailure
{
    /// <summary>The container's state forbids the request (kill after exit, a second start).</summary>
    public const string Conflict = "conflict";
    /// <summary>The command does not exist in the container (docker's exit code 127).</summary>
    public const string CommandNotFound = "command-not-found";
    /// <summary>The command exists but cannot be executed (docker's exit code 126).</summary>
    public const string CommandNotExecutable = "command-not-executable";
    /// <summary>Anything else the runtime or the shim reported.</summary>
    public const string Runtime = "runtime";

    /// <summary>The kind of a runtime's error text (runc words a failed exec as Go's os/exec does).</summary>
    public static string OfRuntimeError(string message) =>
        message.Contains("executable file not found", StringComparison.Ordinal) || message.Contains("no such file or directory", StringComparison.Ordinal) ? CommandNotFound
        : message.Contains("permission denied", StringComparison.Ordinal) ? CommandNotExecutable
        : Runtime;
}

/// <summary>One request; which fields matter depends on <see cref="Op"/>.</summary>
public sealed record ShimRequest(
    string Op,
    int? Signal = null,
    int? Height = null,
    int? Width = null,
    bool? Stdin = null,
    bool? Stdout = null,
    bool? Stderr = null);

/// <summary>
/// One response. <see cref="Error"/> set means the request failed, and <see cref="Failure"/>
/// (a <see cref="ShimFailure"/>) says why; otherwise <see cref="Ok"/> and, for state/wait, the
/// container's fields. Times are UTC.
/// </summary>
public sealed record ShimResponse(
    bool? Ok = null,
    string? Error = null,
    string? Failure = null,
    int? Pid = null,
    string? Status = null,
    int? ExitCode = null,
    DateTime? StartedAt = null,
    DateTime? FinishedAt = null,
    bool? OomKilled = null);

/// <summary>
/// The single line the shim prints on its stdout once the container is created (<see cref="Pid"/>),
/// or, with --run-at-start, once it is ready to run it at start (<see cref="Ready"/>); else the error
/// and its <see cref="ShimFailure"/> kind.
/// </summary>
public sealed record ShimLaunchResult(int? Pid = null, string? Error = null, bool? Ready = null, string? Failure = null);

/// <summary>Content of the exit file the shim writes atomically when the container has exited.</summary>
public sealed record ShimExitFile(int ExitCode, DateTime FinishedAt, bool OomKilled);

/// <summary>Source-generated (NativeAOT-safe) JSON for everything on the shim's wire and disk.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ShimRequest))]
[JsonSerializable(typeof(ShimResponse))]
[JsonSerializable(typeof(ShimLaunchResult))]
[JsonSerializable(typeof(ShimExitFile))]
public sealed partial class ShimJsonContext : JsonSerializerContext;
