// KeelFramework: the framework SDK (issue 5). Work in progress.
