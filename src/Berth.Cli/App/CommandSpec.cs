using Berth.Core.CommandLine;

namespace Berth.Cli.App;

/// <summary>One command: its name(s), docker-style usage line, flags, argument count and handler.</summary>
public sealed record CommandSpec(
    string Name,
    string Usage,
    string Summary,
    Action<FlagSet> DefineFlags,
    int MinArgs,
    int MaxArgs,
    Func<CommandContext, FlagSet, Task<int>> Run)
{
    public const int Unbounded = int.MaxValue;

    public string[] Aliases { get; init; } = [];

    /// <summary>False for run/create: flags end at the first positional (the image).</summary>
    public bool Interspersed { get; init; } = true;
}
