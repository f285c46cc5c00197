using Berth.Core.Errors;
using Berth.Core.Shim;

namespace Berth.Engine.Runtime.Shim;

/// <summary>A launch or request the shim refused, with the shim's <see cref="ShimFailure"/> kind.</summary>
public sealed class ShimFailureException(string failure, string message) : BerthException(message)
{
    /// <summary>One of <see cref="ShimFailure"/>'s kinds (an unknown one counts as a runtime failure).</summary>
    public string Failure => failure;

    /// <summary>A command that is missing or not executable is the request's fault, as dockerd says.</summary>
    public override ErrorKind Kind => failure switch
    {
        ShimFailure.Conflict => ErrorKind.Conflict,
        ShimFailure.CommandNotFound or ShimFailure.CommandNotExecutable => ErrorKind.InvalidParameter,
        _ => ErrorKind.System,
    };

    /// <summary>The exit code docker records for a container whose process could not be started.</summary>
    public int StartExitCode => failure switch
    {
        ShimFailure.CommandNotFound => 127,
        ShimFailure.CommandNotExecutable => 126,
        _ => 128,
    };
}
