using Berth.Cli.App;

using var cts = new CancellationTokenSource();
return await CliApp.RunAsync(args, cts.Token).ConfigureAwait(false);
