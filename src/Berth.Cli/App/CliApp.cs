using Berth.Core.CommandLine;
using Berth.EngineApi.Client;

namespace Berth.Cli.App;

/// <summary>
/// Entry point logic: global flags, host selection, dispatch, and docker's error conventions
/// (flag errors exit 125 with usage; wrong argument counts exit 1; daemon errors exit 1).
/// </summary>
/// <remarks>
/// Host: <c>-H/--host</c>, else <c>BERTH_HOST</c>, else <c>DOCKER_HOST</c>, else
/// unix:///run/berth/berth.sock. BERTH_HOST wins over DOCKER_HOST so a shell set up for a
/// docker daemon can still point berth at berthd.
/// </remarks>
public static class CliApp
{
    public const string Version = "0.1.0";

    public static string ResolveHost(string? flag, Func<string, string?> env) =>
        flag is { Length: > 0 } ? flag
        : env("BERTH_HOST") is { Length: > 0 } b ? b
        : env("DOCKER_HOST") is { Length: > 0 } d ? d
        : DaemonEndpoint.DefaultHost;

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var stdout = StandardStream.Open(1, FileAccess.Write);
        var stderr = StandardStream.Open(2, FileAccess.Write);
        var output = new StreamWriter(stdout) { AutoFlush = true };
        var error = new StreamWriter(stderr) { AutoFlush = true };
        var globals = new FlagSet()
            .List("host", 'H', "Daemon socket to connect to")
            .Bool("version", 'v', "Print version information and quit")
            .Bool("debug", 'D', "Enable debug mode")
            .String("log-level", 'l', "Set the logging level", "info")
            .String("config", null, "Location of client config files")
            .String("context", 'c', "Name of the context to use")
            .Bool("help", null, "Print usage");
        try
        {
            globals.Parse(args, interspersed: false);
        }
        catch (UsageException e)
        {
            error.WriteLine(e.Message);
            error.WriteLine($"See '{CommandContext.Program} --help'.");
            return 125;
        }
        if (globals.GetBool("version"))
        {
            output.WriteLine($"Berth version {Version}");
            return 0;
        }
        var rest = globals.Positionals;
        if (rest.Count == 0 || globals.GetBool("help"))
        {
            PrintHelp(output);
            return 0;
        }
        var hosts = globals.GetList("host");
        var host = ResolveHost(hosts.Count > 0 ? hosts[^1] : null, Environment.GetEnvironmentVariable);

        var name = rest[0];
        var commandArgs = rest.Skip(1).ToList();
        CommandSpec? spec;
        string path;
        if (Commands.Groups.TryGetValue(name, out var group))
        {
            if (commandArgs.Count == 0 || commandArgs[0] is "--help")
            {
                output.WriteLine($"\nUsage:  {CommandContext.Program} {name} COMMAND\n\nCommands:");
                foreach (var c in group)
                {
                    output.WriteLine($"  {c.Name,-10}{c.Summary}");
                }
                return 0;
            }
            spec = Find(group, commandArgs[0]);
            path = $"{name} {commandArgs[0]}";
            if (spec is null)
            {
                error.WriteLine($"{CommandContext.Program}: unknown command: {CommandContext.Program} {path}\n\nRun '{CommandContext.Program} {name} --help' for more information");
                return 1;
            }
            commandArgs.RemoveAt(0);
        }
        else
        {
            spec = Find(Commands.TopLevel, name);
            path = name;
            if (spec is null)
            {
                error.WriteLine($"{CommandContext.Program}: unknown command: {CommandContext.Program} {name}\n\nRun '{CommandContext.Program} --help' for more information");
                return 1;
            }
        }
        var fullPath = $"{CommandContext.Program} {path}";
        var flags = new FlagSet();
        spec.DefineFlags(flags);
        flags.Bool("help", null, "Print usage");
        try
        {
            flags.Parse(commandArgs, spec.Interspersed);
        }
        catch (UsageException e)
        {
            error.WriteLine($"{e.Message}\n\nUsage:  {CommandContext.Program} {spec.Usage}\n\nRun '{fullPath} --help' for more information");
            return e.ExitCode;
        }
        if (flags.GetBool("help"))
        {
            PrintCommandHelp(output, spec, flags);
            return 0;
        }
        var n = flags.Positionals.Count;
        if (n < spec.MinArgs || n > spec.MaxArgs)
        {
            var (requirement, verb) =
                spec.MinArgs == spec.MaxArgs ? ($"requires {Count(spec.MinArgs)}", "Run")
                : n < spec.MinArgs ? ($"requires at least {Count(spec.MinArgs)}", "See")
                : spec.MaxArgs == 0 ? ("accepts no arguments", "See")
                : ($"requires at most {Count(spec.MaxArgs)}", "Run");
            error.WriteLine($"{CommandContext.Program}: '{fullPath}' {requirement}\n\nUsage:  {CommandContext.Program} {spec.Usage}\n\n{verb} '{fullPath} --help' for more information");
            return 1;
        }

        EngineClient? client = null;
        var context = new CommandContext(() => client = new EngineClient(DaemonEndpoint.Parse(host), Environment.GetEnvironmentVariable("DOCKER_API_VERSION")),
            output, error, StandardStream.Open(0, FileAccess.Read), stdout, stderr, fullPath, cancellationToken)
        {
            ConfigDirectory = Auth.ClientConfig.ResolveDirectory(globals.GetString("config"), Environment.GetEnvironmentVariable),
        };
        try
        {
            return await spec.Run(context, flags).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            error.WriteLine($"{CommandContext.Program}: {e.Message}\n\nRun '{fullPath} --help' for more information");
            return e.ExitCode;
        }
        catch (Exception e) when (e is EngineApiException or DaemonUnreachableException or FormatException or IOException
                                      or MessageStreamException or Auth.ClientConfigException
                                      or Templates.TemplateException or HttpRequestException)
        {
            return context.Fail(e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
        finally
        {
            client?.Dispose();
        }
    }

    private static string Count(int n) => n == 1 ? "1 argument" : $"{n} arguments";

    private static CommandSpec? Find(IEnumerable<CommandSpec> specs, string name) =>
        specs.FirstOrDefault(s => s.Name == name || s.Aliases.Contains(name));

    private static void PrintCommandHelp(TextWriter output, CommandSpec spec, FlagSet flags)
    {
        output.WriteLine($"\nUsage:  {CommandContext.Program} {spec.Usage}\n\n{spec.Summary}\n");
        if (spec.Aliases.Length > 0)
        {
            output.WriteLine("Aliases:\n  " + string.Join(", ", spec.Aliases.Prepend(spec.Name)) + "\n");
        }
        output.WriteLine("Options:");
        var shown = flags.Definitions.Where(d => d.AliasOf is null)
            .Select(d => (Name: (d.Short is { } s ? $"-{s}, " : "    ") + "--" + d.Long + (d.TypeName.Length > 0 ? " " + d.TypeName : ""), d.Help))
            .ToList();
        // Help texts line up in one column, wide enough for the longest flag (as pflag's are).
        var width = Math.Max(28, shown.Max(f => f.Name.Length) + 2);
        foreach (var (name, help) in shown)
        {
            output.WriteLine($"  {name.PadRight(width)}{help}");
        }
    }

    private static void PrintHelp(TextWriter output)
    {
        output.WriteLine($"\nUsage:  {CommandContext.Program} [OPTIONS] COMMAND\n\nA Docker-compatible container client for berthd\n");
        output.WriteLine("Common Commands:");
        foreach (var c in Commands.TopLevel)
        {
            output.WriteLine($"  {c.Name,-10}{c.Summary}");
        }
        output.WriteLine("\nManagement Commands:\n  container Manage containers\n  image     Manage images\n  system    Manage Berth\n");
        output.WriteLine("Global Options:\n  -H, --host list      Daemon socket to connect to (default: $BERTH_HOST, $DOCKER_HOST, unix:///run/berth/berth.sock)\n  -v, --version        Print version information and quit");
    }
}
