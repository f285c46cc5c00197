using System.Globalization;
using Berth.Cli.App;
using Berth.Core.CommandLine;
using Berth.EngineApi.Client;

namespace Berth.Cli.Commands.Containers;

/// <summary>start, stop, restart, kill, rm, wait, rename.</summary>
public static class LifecycleCommands
{
    public static CommandSpec Start { get; } = new("start", "start [OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers",
        f => f.Bool("attach", 'a', "Attach STDOUT/STDERR and forward signals")
              .Bool("interactive", 'i', "Attach container's STDIN")
              .String("detach-keys", null, "Override the key sequence for detaching a container"),
        1, CommandSpec.Unbounded, StartAsync);

    public static CommandSpec Stop { get; } = new("stop", "stop [OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers",
        f => f.String("signal", 's', "Signal to send to the container").Int("time", 't', "Seconds to wait before killing the container"),
        1, CommandSpec.Unbounded, (ctx, f) => ForEach(ctx, f, id => ctx.Client.StopContainerAsync(id, Timeout(f), f.GetString("signal"), ctx.CancellationToken)));

    public static CommandSpec Restart { get; } = new("restart", "restart [OPTIONS] CONTAINER [CONTAINER...]", "Restart one or more containers",
        f => f.String("signal", 's', "Signal to send to the container").Int("time", 't', "Seconds to wait before killing the container"),
        1, CommandSpec.Unbounded, (ctx, f) => ForEach(ctx, f, id => ctx.Client.RestartContainerAsync(id, Timeout(f), f.GetString("signal"), ctx.CancellationToken)));

    public static CommandSpec Kill { get; } = new("kill", "kill [OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers",
        f => f.String("signal", 's', "Signal to send to the container"),
        1, CommandSpec.Unbounded, (ctx, f) => ForEach(ctx, f, id => ctx.Client.KillContainerAsync(id, f.GetString("signal"), ctx.CancellationToken)));

    public static CommandSpec Remove { get; } = new("rm", "rm [OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers",
        f => f.Bool("force", 'f', "Force the removal of a running container (uses SIGKILL)")
              .Bool("link", 'l', "Remove the specified link")
              .Bool("volumes", 'v', "Remove anonymous volumes associated with the container"),
        1, CommandSpec.Unbounded, (ctx, f) => ForEach(ctx, f, id =>
            ctx.Client.RemoveContainerAsync(id, f.GetBool("force"), f.GetBool("volumes"), f.GetBool("link"), ctx.CancellationToken)))
    {
        Aliases = ["remove"],
    };

    public static CommandSpec Wait { get; } = new("wait", "wait CONTAINER [CONTAINER...]", "Block until one or more containers stop, then print their exit codes",
        _ => { }, 1, CommandSpec.Unbounded, WaitAsync);

    public static CommandSpec Rename { get; } = new("rename", "rename CONTAINER NEW_NAME", "Rename a container",
        _ => { }, 2, 2, RenameAsync);

    private static int? Timeout(FlagSet f) => f.Changed("time") ? f.GetInt("time") : null;

    /// <summary>Runs the operation on each container in turn, printing each name given; errors go to stderr and make the exit code 1.</summary>
    private static async Task<int> ForEach(CommandContext ctx, FlagSet flags, Func<string, Task> op)
    {
        var failed = false;
        foreach (var id in flags.Positionals)
        {
            try
            {
                await op(id).ConfigureAwait(false);
                ctx.Out.WriteLine(id);
            }
            catch (EngineApiException e)
            {
                ctx.Err.WriteLine(CommandContext.Describe(e));
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }

    private static async Task<int> StartAsync(CommandContext ctx, FlagSet flags)
    {
        var attach = flags.GetBool("attach");
        var interactive = flags.GetBool("interactive");
        if (attach || interactive)
        {
            if (flags.Positionals.Count > 1)
            {
                ctx.Err.WriteLine("Error: you cannot start and attach multiple containers at once");
                return 1;
            }
            var id = flags.Positionals[0];
            var info = await ctx.Client.InspectContainerAsync(id, cancellationToken: ctx.CancellationToken).ConfigureAwait(false);
            var tty = info.Config?.Tty ?? false;
            await using var session = await AttachSession.OpenAsync(ctx, id, tty, interactive && (info.Config?.OpenStdin ?? false)).ConfigureAwait(false);
            var wait = await ctx.Client.BeginWaitContainerAsync(id, "next-exit", ctx.CancellationToken).ConfigureAwait(false);
            var copy = session.CopyAsync(ctx, interactive && (info.Config?.OpenStdin ?? false));
            try
            {
                await ctx.Client.StartContainerAsync(id, cancellationToken: ctx.CancellationToken).ConfigureAwait(false);
            }
            catch (EngineApiException e)
            {
                ctx.Err.WriteLine(CommandContext.Describe(e));
                return 1;
            }
            await copy.ConfigureAwait(false);
            var result = await wait.ConfigureAwait(false);
            return (int)result.StatusCode;
        }
        var failed = new List<string>();
        foreach (var id in flags.Positionals)
        {
            try
            {
                await ctx.Client.StartContainerAsync(id, cancellationToken: ctx.CancellationToken).ConfigureAwait(false);
                ctx.Out.WriteLine(id);
            }
            catch (EngineApiException e)
            {
                ctx.Err.WriteLine(CommandContext.Describe(e));
                failed.Add(id);
            }
        }
        if (failed.Count > 0)
        {
            ctx.Err.WriteLine("Error: failed to start containers: " + string.Join(", ", failed));
            return 1;
        }
        return 0;
    }

    private static async Task<int> WaitAsync(CommandContext ctx, FlagSet flags)
    {
        var failed = false;
        foreach (var id in flags.Positionals)
        {
            try
            {
                var r = await ctx.Client.WaitContainerAsync(id, null, ctx.CancellationToken).ConfigureAwait(false);
                ctx.Out.WriteLine(r.StatusCode.ToString(CultureInfo.InvariantCulture));
            }
            catch (EngineApiException e)
            {
                ctx.Err.WriteLine(CommandContext.Describe(e));
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }

    private static async Task<int> RenameAsync(CommandContext ctx, FlagSet flags)
    {
        var (old, name) = (flags.Positionals[0].Trim(), flags.Positionals[1].Trim());
        if (old.Length == 0 || name.Length == 0)
        {
            ctx.Err.WriteLine("Error: neither old nor new names may be empty");
            return 1;
        }
        try
        {
            await ctx.Client.RenameContainerAsync(old, name, ctx.CancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (EngineApiException e)
        {
            ctx.Err.WriteLine(CommandContext.Describe(e));
            ctx.Err.WriteLine($"Error: failed to rename container named {old}");
            return 1;
        }
    }
}
