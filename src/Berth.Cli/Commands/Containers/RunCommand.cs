using Berth.Cli.App;
using Berth.Cli.Commands.Images;
using Berth.Cli.Formatting;
using Berth.Core.CommandLine;
using Berth.EngineApi.Client;
using Berth.EngineApi.Models;
using Berth.Core.References;

namespace Berth.Cli.Commands.Containers;

/// <summary><c>run</c> and <c>create</c>, following the docker CLI's sequence: create (pulling a missing image), attach, wait, start, copy, exit with the status.</summary>
public static class RunCommand
{
    public static CommandSpec Run { get; } = new("run", "run [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image",
        f =>
        {
            ContainerOptions.Define(f);
            f.Bool("detach", 'd', "Run container in background and print container ID");
            f.Bool("sig-proxy", null, "Proxy received signals to the process");
            f.List("attach", 'a', "Attach to STDIN, STDOUT or STDERR");
        },
        1, CommandSpec.Unbounded, RunAsync)
    { Interspersed = false };

    public static CommandSpec Create { get; } = new("create", "create [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container",
        ContainerOptions.Define, 1, CommandSpec.Unbounded, CreateOnlyAsync)
    { Interspersed = false };

    /// <summary>docker's runStartContainerErr: 127 not found, 126 not executable, else 125.</summary>
    public static int ExitCodeForStartError(string message)
    {
        if (message.Contains("executable file not found", StringComparison.Ordinal)
            || message.Contains("no such file or directory", StringComparison.Ordinal)
            || message.Contains("system cannot find the file specified", StringComparison.Ordinal))
        {
            return 127;
        }
        if (message.Contains("permission denied", StringComparison.Ordinal)
            || message.Contains("is a directory", StringComparison.Ordinal)
            || message.Contains("cannot run executable", StringComparison.Ordinal))
        {
            return 126;
        }
        return 125;
    }

    private static int Refuse(CommandContext ctx, Exception e, int code = 125)
    {
        ctx.Err.WriteLine($"{CommandContext.Program}: {CommandContext.Describe(e)}\n\nRun '{ctx.CommandPath} --help' for more information");
        return code;
    }

    private static async Task<int> CreateOnlyAsync(CommandContext ctx, FlagSet flags)
    {
        var pull = PullPolicy(flags);
        var request = ContainerOptions.Build(flags, attach: true, Environment.GetEnvironmentVariable);
        // docker create reports daemon and pull errors like any command (exit 1), unlike run (125).
        var created = await CreateAsync(ctx, request, flags.GetString("name"), flags.GetString("platform"), pull, flags.GetBool("quiet"))
            .ConfigureAwait(false);
        ctx.Out.WriteLine(created.Id);
        return 0;
    }

    /// <summary>--pull: always, missing (the default) or never; anything else is a usage error (125).</summary>
    public static string PullPolicy(FlagSet flags)
    {
        var pull = flags.GetString("pull") ?? "missing";
        return pull is "always" or "missing" or "never"
            ? pull
            : throw new UsageException($"invalid pull option: '{pull}': must be one of \"always\", \"missing\" or \"never\"");
    }

    /// <summary>
    /// Creates the container as docker's createContainer does: with --pull always pulls first;
    /// with missing, on a 404 for the image says "Unable to find image" and pulls, then tries
    /// again; with never, the 404 stands. Pull progress goes to stderr (stdout is for the ID).
    /// </summary>
    public static async Task<ContainerCreateResponse> CreateAsync(CommandContext ctx, ContainerCreateRequest request, string? name, string? platform,
        string pull = "missing", bool quiet = false)
    {
        ImageReference.TryParse(request.Image, out var reference);
        reference = reference?.WithDefaultTag();
        if (pull == "always" && reference is not null)
        {
            await PullForCreateAsync(ctx, reference, platform, quiet).ConfigureAwait(false);
        }
        try
        {
            return await CreateWithWarningsAsync(ctx, request, name, platform).ConfigureAwait(false);
        }
        catch (EngineApiException e) when (e.IsNotFound && e.Message.Contains("image", StringComparison.OrdinalIgnoreCase)
                                           && pull == "missing" && reference is not null)
        {
            if (!quiet)
            {
                ctx.Err.WriteLine($"Unable to find image '{reference.ToFamiliarString()}' locally");
            }
            await PullForCreateAsync(ctx, reference, platform, quiet).ConfigureAwait(false);
            return await CreateWithWarningsAsync(ctx, request, name, platform).ConfigureAwait(false);
        }
    }

    private static Task PullForCreateAsync(CommandContext ctx, ImageReference reference, string? platform, bool quiet) =>
        DistributionCommands.PullAsync(ctx, reference, all: false, platform, quiet ? TextWriter.Null : ctx.Err,
            quiet ? MessageDisplay.Plain : MessageDisplay.ForFd(2));

    private static async Task<ContainerCreateResponse> CreateWithWarningsAsync(CommandContext ctx, ContainerCreateRequest request, string? name, string? platform)
    {
        var created = await ctx.Client.CreateContainerAsync(request, name, platform, ctx.CancellationToken).ConfigureAwait(false);
        foreach (var w in created.Warnings)
        {
            ctx.Err.WriteLine("WARNING: " + w);
        }
        return created;
    }

    private static async Task<int> RunAsync(CommandContext ctx, FlagSet flags)
    {
        var detach = flags.GetBool("detach");
        if (!detach && flags.GetBool("tty") && flags.GetBool("interactive") && Console.IsInputRedirected)
        {
            ctx.Err.WriteLine("the input device is not a TTY");
            return 1;
        }
        var pull = PullPolicy(flags);
        var request = ContainerOptions.Build(flags, attach: !detach, Environment.GetEnvironmentVariable);
        ContainerCreateResponse created;
        try
        {
            created = await CreateAsync(ctx, request, flags.GetString("name"), flags.GetString("platform"), pull, flags.GetBool("quiet"))
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is EngineApiException or DaemonUnreachableException or MessageStreamException)
        {
            return Refuse(ctx, e);
        }
        var id = created.Id;
        if (detach)
        {
            try
            {
                await ctx.Client.StartContainerAsync(id, cancellationToken: ctx.CancellationToken).ConfigureAwait(false);
            }
            catch (EngineApiException e)
            {
                return Refuse(ctx, e, ExitCodeForStartError(e.Message));
            }
            ctx.Out.WriteLine(id);
            return 0;
        }

        var interactive = flags.GetBool("interactive");
        var autoRemove = request.HostConfig?.AutoRemove ?? false;
        try
        {
            await using var session = await AttachSession.OpenAsync(ctx, id, request.Tty, interactive).ConfigureAwait(false);
            var wait = await ctx.Client.BeginWaitContainerAsync(id, autoRemove ? "removed" : "next-exit", ctx.CancellationToken).ConfigureAwait(false);
            try
            {
                await ctx.Client.StartContainerAsync(id, cancellationToken: ctx.CancellationToken).ConfigureAwait(false);
            }
            catch (EngineApiException e)
            {
                if (autoRemove)
                {
                    try
                    {
                        await wait.WaitAsync(TimeSpan.FromSeconds(10), ctx.CancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is EngineApiException or IOException or TimeoutException or HttpRequestException)
                    {
                    }
                }
                return Refuse(ctx, e, ExitCodeForStartError(e.Message));
            }
            using (var terminal = request.Tty ? LocalTerminal.Attach(ctx.Client, id, rawInput: interactive) : null)
            {
                if (request.Tty) await LocalTerminal.ResizeAsync(ctx.Client, id).ConfigureAwait(false);
                await session.CopyAsync(ctx, interactive).ConfigureAwait(false);
            }
            var status = await wait.ConfigureAwait(false);
            if (status.Error is { Message.Length: > 0 } err)
            {
                ctx.Err.WriteLine($"{CommandContext.Program}: {err.Message}");
                return 125;
            }
            return (int)status.StatusCode;
        }
        catch (Exception e) when (e is EngineApiException or DaemonUnreachableException)
        {
            return Refuse(ctx, e);
        }
    }
}
