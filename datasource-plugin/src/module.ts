import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { BessDataSource } from './datasource';
import type { BessDataSourceOptions, BessQuery, BessSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<BessDataSource, BessQuery, BessDataSourceOptions, BessSecureJsonData>(
  BessDataSource
)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
